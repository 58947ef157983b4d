package main

import "flag"

// registerFS adds the flags that shape the app's filesystem.
func (o *runOptions) registerFS(fs *flag.FlagSet) {
	fs.StringVar(&o.fs.Root, "root", "/", "host `DIR` the app sees as / (read-only; writes go to memory)")
	fs.Var((*multiFlag)(&o.fs.Volumes), "volume", "mount host directory `HOST:GUEST[:rw]` into the app (read-only unless :rw; repeatable)")
	fs.StringVar(&o.fs.Workdir, "workdir", "", "initial working `DIR` in the app (default: the current directory when --root is /, else /)")
	fs.Func("entrypoint", "with an image: run `PROGRAM` instead of the image's entrypoint (\"\" clears it; the image's cmd is dropped)", func(s string) error {
		o.entrypoint = &s
		return nil
	})
}
