package sx127xsim

import (
	"fmt"
	"time"
)

// Violation is one access the datasheet forbids or leaves undefined.
type Violation struct {
	Time time.Time
	// Rule names the rule broken (see the package documentation).
	Rule   string
	Detail string
}

func (v Violation) String() string { return v.Rule + ": " + v.Detail }

// maxViolations bounds the record, so a driver stuck in a loop cannot
// exhaust memory; the last entry says that more were dropped.
const maxViolations = 1000

// violate records a violation. It takes the lock.
func (c *Chip) violate(rule, format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.violateLocked(rule, format, a...)
}

// violateLocked records a violation. Called with c.mu held.
func (c *Chip) violateLocked(rule, format string, a ...any) {
	switch {
	case len(c.violations) < maxViolations-1:
		v := Violation{Time: c.clk.Now(), Rule: rule, Detail: fmt.Sprintf(format, a...)}
		c.violations = append(c.violations, v)
		c.log.Warn("sx127xsim: violation", "chip", c.name, "rule", rule, "detail", v.Detail)
	case len(c.violations) == maxViolations-1:
		c.violations = append(c.violations, Violation{Time: c.clk.Now(), Rule: "too-many", Detail: "further violations dropped"})
	}
}
