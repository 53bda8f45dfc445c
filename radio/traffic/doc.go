// Package traffic moves link-protocol messages over a set of drivers: a
// Scheduler sends, a Listen loop receives.
//
// The Scheduler keeps per-driver priority queues: transactions and their
// acknowledgements first, then new tips, then answers to header requests,
// then the carousel, which on one-way links repeats the most recent
// headers (e.g. the last 144) so receivers that joined late or lost frames
// catch up without transmitting. A message is encoded once per driver with
// that driver's MTU, airtime function and Redundancy, and a higher class
// that arrives while a long message is on the air goes next, between two
// of its frames. Nothing is sent beyond a driver's airtime budget: a
// *radio.BudgetError makes the driver's worker wait and try again, and the
// carousel leaves a reserve of the budget for the other classes.
//
// Which message types go out on which driver comes from an Assignment
// (configuration); SendTo pushes a message to one named driver.
package traffic
