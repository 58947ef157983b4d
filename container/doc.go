// Package container assembles the world an app runs in, the way a container
// engine prepares a container before it starts the first process:
//
//   - the app's filesystem (BuildRoot): the host root or an image's root
//     under an overlay, devfs with the console devices, a fresh /tmp, the
//     volumes, the kernel's /proc and /sys (MountKernelFS), and a
//     read-only root when asked (Seal);
//   - elfloader images prepared to run (PrepareImage): unpacked into a
//     ramfs through the vfs API (VFSSink), their config applied (argv,
//     environment, working directory) and their user resolved against
//     their /etc/passwd and /etc/group (ResolveUser);
//   - the program to start, found in the app's PATH as execvp does
//     (FindProgram, LookPath).
//
// cmd/elfloader parses flags and wires this package to the kernel; the
// OCI runtime commands use it the same way.
//
// Dependencies: kernel (the console devices, LoadError, the proc
// provider), vfs and its filesystems, images. It must not import cmd.
package container
