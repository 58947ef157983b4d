package kernel

// Tracer sees the events strace prints besides system calls: signals as
// they are delivered and tasks as they end. Its methods run on the task's
// goroutine or, for TaskExited when a whole process ends, on the goroutine
// that ended it; they must not block.
type Tracer interface {
	// SignalDelivered is called when t dequeues si to act on it, whatever
	// its disposition (a traced Linux task stops for every signal).
	SignalDelivered(t *Task, si *SigInfo)
	// TaskExited is called once for each task of a process that ends,
	// with the wait status of its end (exit code << 8, or the signal).
	TaskExited(t *Task, waitStatus int)
}

// traceSignal tells the tracer, if any, that t takes si.
func (t *Task) traceSignal(si *SigInfo) {
	if tr := t.k.cfg.Tracer; tr != nil {
		tr.SignalDelivered(t, si)
	}
}

// traceExit tells the tracer, if any, that t ended with waitStatus.
func (t *Task) traceExit(waitStatus int) {
	if tr := t.k.cfg.Tracer; tr != nil {
		tr.TaskExited(t, waitStatus)
	}
}
