// Package ociruntime lets elfloader serve as an OCI runtime, the way runc
// does for containerd's runc shim (containerd-shim-runc-v2):
//
//   - a runtime-spec bundle (config.json and its root filesystem) is read
//     and mapped onto an elfloader run (Load): process args, env, cwd,
//     user, rlimits, terminal; hostname; a read-only root; bind mounts as
//     volumes, tmpfs mounts as in-memory filesystems; a new network
//     namespace as a loopback-only network, a network namespace by path
//     joined before the Go runtime starts (netns.go, cgo); capabilities,
//     no_new_privs and umask; the seccomp profile as a shim.Override
//     (seccomp.go). What cannot be honoured (cgroups, most namespaces…)
//     comes back as one note per item for the runtime log;
//   - each container's state lives in ROOT/ID (State, Store): its pid and
//     that process's start time, the bundle, and runc's exec.fifo, whose
//     presence means "created": the container's init waits on it
//     (WaitStart) until `start` reads it (Start);
//   - the console socket handshake: the pseudo-terminal's master is sent to
//     the caller's unix socket with SCM_RIGHTS (SendConsole);
//   - the runtime log that the shim reads runc's errors from (NewLog).
//
// cmd/elfloader wires these to the create/start/state/exec/kill/delete/
// run/ps/features commands. Dependencies: container, kernel (Rlimit,
// CapabilitySets), shim (Args), vfs, abi/linux (capability and syscall
// names),
// github.com/opencontainers/runtime-spec (the spec's types). It must not
// import cmd.
package ociruntime
