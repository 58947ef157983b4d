// Command goexec starts child processes the way Go's os/exec does (clone
// with CLONE_VFORK|CLONE_VM, execve, waitid/wait4) and prints what they
// did.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

func main() {
	out, err := exec.Command("/bin/echo", "hi from a child").Output()
	fmt.Printf("%q %v\n", out, err)
	err = exec.Command("/bin/false").Run()
	var ee *exec.ExitError
	fmt.Println("false:", errors.As(err, &ee) && ee.ExitCode() == 1)
	_, err = exec.Command("/no/such/program").Output()
	fmt.Println("missing:", errors.Is(err, os.ErrNotExist))
}
