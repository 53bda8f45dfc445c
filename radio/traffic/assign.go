package traffic

import (
	"fmt"
	"slices"
	"strings"

	"github.com/altnet/altnet/radio/link"
)

// Assignment says which drivers carry each message type. A type without
// an entry goes to every driver that can send.
type Assignment map[link.Type][]string

// ParseAssignment parses a configuration line of space-separated
// TYPE=DRIVER[,DRIVER...] entries, TYPE as link.Type prints it:
// "headers=lora0 tip=lora0,ax0 tx=ax0 txack=ax0 getheaders=ax0".
func ParseAssignment(s string) (Assignment, error) {
	a := Assignment{}
	for _, f := range strings.Fields(s) {
		name, drivers, ok := strings.Cut(f, "=")
		if !ok || drivers == "" {
			return nil, fmt.Errorf("traffic: assignment %q: want TYPE=DRIVER[,DRIVER...]", f)
		}
		t, err := link.ParseType(name)
		if err != nil {
			return nil, fmt.Errorf("traffic: assignment %q: %w", f, err)
		}
		if _, dup := a[t]; dup {
			return nil, fmt.Errorf("traffic: assignment names %v twice", t)
		}
		a[t] = strings.Split(drivers, ",")
	}
	return a, nil
}

// String formats the assignment as ParseAssignment reads it.
func (a Assignment) String() string {
	var parts []string
	for t := link.TypeHeaderRun; t.Known(); t++ {
		if d, ok := a[t]; ok {
			parts = append(parts, t.String()+"="+strings.Join(d, ","))
		}
	}
	return strings.Join(parts, " ")
}

// drivers returns the drivers assigned type t among all (names of
// drivers that can send).
func (a Assignment) drivers(t link.Type, all []string) []string {
	d, ok := a[t]
	if !ok {
		return all
	}
	return slices.DeleteFunc(slices.Clone(d), func(n string) bool { return !slices.Contains(all, n) })
}

// check reports names that are not drivers.
func (a Assignment) check(all []string) error {
	for t, ds := range a {
		for _, d := range ds {
			if !slices.Contains(all, d) {
				return fmt.Errorf("traffic: %v assigned to %q, which is not a sending driver", t, d)
			}
		}
	}
	return nil
}
