package lora

import (
	"fmt"
	"sync"
	"time"

	"github.com/altnet/altnet/radio"
)

// budget applies a plan's limits to one transmitter: a duty-cycle ledger
// per sub-band (radio.Ledger, exact over any rolling hour) and the dwell
// time. It is safe for concurrent use: Send and Budget read it while the
// chip's goroutine books transmissions.
type budget struct {
	driver  string
	plan    *Plan // nil for a receive-only driver
	subBand int

	mu      sync.Mutex
	ledgers map[int]*radio.Ledger
}

func newBudget(driver string, plan *Plan, subBand int) *budget {
	return &budget{driver: driver, plan: plan, subBand: subBand, ledgers: make(map[int]*radio.Ledger)}
}

// ledger returns the sub-band's ledger, or nil without a duty cycle.
// Called with b.mu held.
func (b *budget) ledger() *radio.Ledger {
	if b.plan == nil {
		return nil
	}
	allowed, ok := b.plan.SubBands[b.subBand].Allowance()
	if !ok {
		return nil
	}
	l := b.ledgers[b.subBand]
	if l == nil {
		l = radio.NewLedger(DutyWindow, allowed)
		b.ledgers[b.subBand] = l
	}
	return l
}

// admit checks a transmission of d starting at now and, when book is
// true and it fits, books it. It returns a *radio.BudgetError when the
// frame does not fit.
func (b *budget) admit(now time.Time, d time.Duration, book bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.plan == nil {
		return nil
	}
	if b.plan.MaxDwell > 0 && d > b.plan.MaxDwell {
		return &radio.BudgetError{Driver: b.driver,
			Reason: fmt.Sprintf("frame of %v exceeds the %v dwell time of plan %s", d, b.plan.MaxDwell, b.plan.Name)}
	}
	l := b.ledger()
	if l == nil {
		return nil
	}
	sb := b.plan.SubBands[b.subBand]
	switch w := l.Wait(now, d); {
	case w < 0:
		return &radio.BudgetError{Driver: b.driver,
			Reason: fmt.Sprintf("frame of %v exceeds the %v hourly allowance of sub-band %s (%s)", d, l.Allowed(), sb.Name, sb.DutyString())}
	case w > 0:
		return &radio.BudgetError{Driver: b.driver, Wait: w,
			Reason: fmt.Sprintf("duty cycle %s of sub-band %s: %v of %v used in the last hour", sb.DutyString(), sb.Name, l.Used(now), l.Allowed())}
	}
	if book {
		l.Record(now, d)
	}
	return nil
}

// state reports the budget at now.
func (b *budget) state(now time.Time) radio.Budget {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.plan == nil {
		return radio.Budget{}
	}
	out := radio.Budget{MaxFrame: b.plan.MaxDwell}
	if l := b.ledger(); l != nil {
		out.Limited, out.Window, out.Allowed, out.Used = true, l.Window(), l.Allowed(), l.Used(now)
	}
	return out
}
