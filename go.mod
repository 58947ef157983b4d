module github.com/elfloader/elfloader

go 1.26.8

require (
	github.com/klauspost/compress v1.20.3
	golang.org/x/arch v0.32.0
	golang.org/x/sys v0.49.0
)

require github.com/creack/pty v1.1.24

require (
	github.com/google/go-containerregistry v0.22.1 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
)
