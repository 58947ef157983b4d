package linux

import "strconv"

func formatDecimal(v uint64) string { return strconv.FormatUint(v, 10) }
