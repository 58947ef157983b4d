package coverage

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Address is an application virtual address. Its JSON form is a hex string
// ("0x401a2c") because JSON numbers lose precision above 2^53.
type Address uint64

// String formats the address as 0x-prefixed hex.
func (a Address) String() string { return fmt.Sprintf("%#x", uint64(a)) }

// MarshalJSON writes the address as a hex string.
func (a Address) MarshalJSON() ([]byte, error) {
	return json.Marshal(a.String())
}

// UnmarshalJSON reads a hex string ("0x…"), a decimal string or a number.
func (a *Address) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var n uint64
		if errNum := json.Unmarshal(data, &n); errNum != nil {
			return fmt.Errorf("address %s: want a hex string or a number", data)
		}
		*a = Address(n)
		return nil
	}
	base := 10
	digits := s
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		base, digits = 16, s[2:]
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return fmt.Errorf("address %q: %w", s, err)
	}
	*a = Address(n)
	return nil
}
