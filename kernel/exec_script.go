package kernel

import (
	"bytes"
	"debug/elf"
	"fmt"

	"golang.org/x/sys/unix"
)

// scriptHeadSize is how much of a file execve reads to recognise it
// (Linux's BINPRM_BUF_SIZE): a "#!" line longer than this is cut.
const scriptHeadSize = 256

// maxScriptChain is how many "#!" files one execve may pass through before
// it reaches the ELF program. Linux's exec_binprm gives up at depth 6
// (-ELOOP): a chain of five scripts runs, a sixth is refused (measured on
// Linux 6.18).
const maxScriptChain = 5

// ParseInterpreterLine reads the "#!" line at the start of head the way
// Linux's binfmt_script does: the interpreter is the first word after "#!"
// (spaces and tabs skipped), and everything after it up to the end of the
// line, trimmed of spaces and tabs, is one optional argument. ok is false
// when head does not start with "#!". A line with no interpreter, or whose
// interpreter name is cut by the end of head, is ENOEXEC.
func ParseInterpreterLine(head []byte) (interp, arg string, ok bool, err error) {
	if len(head) > scriptHeadSize {
		head = head[:scriptHeadSize]
	}
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", "", false, nil
	}
	line := head[2:]
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	} else if len(head) == scriptHeadSize {
		// No end of line in the buffer (whose last byte Linux keeps for a
		// NUL): the interpreter name is whole only if a terminator follows
		// it within the buffer.
		line = head[2 : scriptHeadSize-1]
		rest := bytes.TrimLeft(line, " \t")
		if bytes.IndexAny(rest, " \t\x00") < 0 {
			return "", "", true, fmt.Errorf("the #! line is longer than %d bytes: %w", scriptHeadSize, unix.ENOEXEC)
		}
	}
	line = bytes.Trim(line, " \t")
	end := bytes.IndexAny(line, " \t\x00")
	if end < 0 {
		end = len(line)
	}
	name := line[:end]
	if len(name) == 0 {
		return "", "", true, fmt.Errorf("the #! line names no interpreter: %w", unix.ENOEXEC)
	}
	rest := line[end:]
	if len(rest) > 0 && rest[0] != 0 {
		rest = bytes.TrimLeft(rest, " \t")
		if nul := bytes.IndexByte(rest, 0); nul >= 0 {
			rest = rest[:nul]
		}
		arg = string(rest)
	}
	return string(name), arg, true, nil
}

// resolveScripts follows the "#!" chain that starts at path, as execve
// does: each script is replaced by its interpreter, whose argv is the
// interpreter, its optional argument, the script's path and the original
// arguments after argv[0]. It returns the opened final file (an ELF
// candidate), its path and the command line it gets. Errors carry the
// errno execve answers (ENOENT, EACCES, ENOEXEC, ELOOP).
func resolveScripts(open opener, path string, argv []string) (*execFile, string, []string, error) {
	first := path
	script := "" // the script whose interpreter path is
	for depth := 0; ; depth++ {
		f, err := open(path)
		if err != nil {
			if script != "" {
				err = fmt.Errorf("%s: bad interpreter: %w", script, err)
			}
			return nil, "", nil, err
		}
		head := make([]byte, scriptHeadSize)
		n, _ := f.ReadAt(head, 0)
		head = head[:n]
		interp, arg, isScript, err := ParseInterpreterLine(head)
		if err == nil && !isScript {
			if !bytes.HasPrefix(head, []byte(elf.ELFMAG)) {
				f.Close()
				return nil, "", nil, fmt.Errorf("%s: not an ELF executable and no #! line: %w", path, unix.ENOEXEC)
			}
			return f, path, argv, nil
		}
		f.Close()
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w", path, err)
		}
		if depth+1 > maxScriptChain {
			return nil, "", nil, fmt.Errorf("%s: more than %d levels of #! interpreters (the last: %s): %w",
				first, maxScriptChain, path, unix.ELOOP)
		}
		next := []string{interp}
		if arg != "" {
			next = append(next, arg)
		}
		next = append(next, path)
		if len(argv) > 1 {
			next = append(next, argv[1:]...)
		}
		script, path, argv = path, interp, next
	}
}
