package ax25_test

import (
	"fmt"
	"time"

	"github.com/altnet/altnet/ax25"
)

func ExampleNewUI() {
	src, err := ax25.ParseAddress("n0call-10")
	if err != nil {
		panic(err)
	}
	f := ax25.NewUI(src, ax25.MustParseAddress("ALTNET"), []ax25.Address{ax25.MustParseAddress("WIDE1-1")},
		ax25.PIDNoLayer3, []byte("hello\r"))
	raw, err := f.MarshalBinary()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% X\n", raw[:14])
	fmt.Println(f)
	// Output:
	// 82 98 A8 9C 8A A8 E0 9C 60 86 82 98 98 74
	// N0CALL-10>ALTNET,WIDE1-1:hello<0x0d>
}

func ExampleTiming_FrameAirtime() {
	afsk := ax25.Timing{BitRate: ax25.Rate1200, TXDelay: 300 * time.Millisecond, TXTail: 100 * time.Millisecond}
	f := ax25.NewUI(ax25.MustParseAddress("N0CALL"), ax25.MustParseAddress("ALTNET"), nil, ax25.PIDNoLayer3, make([]byte, 200))
	raw, _ := f.MarshalBinary()
	fmt.Println(afsk.FrameAirtime(raw).Round(time.Millisecond))
	// Output:
	// 1.867s
}
