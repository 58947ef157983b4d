package linux

import "strconv"

func formatDecimal(v uint64) string { return strconv.FormatUint(v, 10) }

// formatHex prints v as C's %#x does: "0" for zero, "0x..." otherwise.
func formatHex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}
