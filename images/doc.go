// Package images builds and reads elfloader image files (".img"): one file
// holding an application's runtime configuration (entrypoint, command,
// environment, working directory, user …) and its root filesystem as a
// zstd-compressed cpio "newc" archive; since format 1.1 the archive is cut
// into independent zstd frames listed, with every entry, in an index
// (index.go), so that `run` reads only the files the app opens
// (OpenOptions.Lazy, Image.Content); since format 1.2 ELF files are stored
// uncompressed and page-aligned in a data section (stored.go), so that
// `run` maps them from the image file (Image.StoredExtent). The byte
// layout is documented in docs/image-format.md.
//
// The package owns:
//   - the image file format: Write / WriteFile and Open / Image;
//   - the tree model shared by producers and consumers: Header, FileSource
//     (where a root filesystem comes from) and Sink (where it goes);
//   - the host-directory source (DirSource), chosen host files (HostTree),
//     a program with its interpreter and libraries (BinarySource, --add's
//     AddSource), sources placed under a prefix or stacked (PrefixSource,
//     LayeredSource), and the escape-proof host-directory sink (HostDir);
//   - progress reporting (Progress, TermBar).
//
// OCI image layouts, OCI archives and "docker save" tarballs are sources too;
// they live in the subpackage images/oci. The cpio byte format lives in
// images/cpio.
//
// Dependencies: the standard library, images/cpio, the pure ELF package
// elfloader (to follow a program's libraries) and
// github.com/klauspost/compress/zstd. The package must not depend on the
// kernel, vfs or cmd packages: they call it.
package images
