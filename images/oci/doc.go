// Package oci reads container images as root-filesystem sources for the
// images package: OCI image layouts (a directory), OCI archives (a tar of a
// layout) and "docker save" tarballs.
//
// It owns the OCI and Docker JSON documents (plain structs, no external
// dependency), image selection (a multi-platform index picks linux/amd64),
// blob access with digest verification, layer decompression (plain tar, gzip
// or zstd, detected by magic bytes) and the layer merge with whiteouts.
//
// The merge streams. A first pass reads the layers' tar headers in order and
// computes the final tree (which layer and which tar entry holds each
// surviving file's content, whiteouts applied). A second pass re-reads only
// the layers that hold surviving content and streams it to the consumer.
// File contents are never held in memory.
//
// Entries are applied literally: names are cleaned and must stay inside the
// root, and a parent that is a symlink is an error (symlinks are never
// resolved while applying layers).
//
// Dependencies: the standard library, github.com/klauspost/compress/zstd and
// the images package (for Header, FileSource and Config). It must not depend
// on the kernel, vfs or cmd packages.
package oci
