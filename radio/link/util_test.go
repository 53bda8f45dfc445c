package link

import (
	"errors"
	"math/rand/v2"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// randomBytes returns n bytes from a ChaCha8 stream seeded by seed.
func randomBytes(seed byte, n int) []byte {
	var s [32]byte
	s[0] = seed
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}
