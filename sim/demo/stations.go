package demo

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/altnet/altnet/gateway"
	"github.com/altnet/altnet/radio"
	"github.com/altnet/altnet/radio/link"
	"github.com/altnet/altnet/radio/medium"
	"github.com/altnet/altnet/radio/traffic"
	"github.com/altnet/altnet/sim"
	"github.com/altnet/altnet/txqueue"
)

// The stations and their radios. Radio names are the medium's node names
// and the gateways' driver names.
const (
	Uplink     = "uplink"
	RxLoRa     = "rx-lora"
	RxAX25     = "rx-ax25"
	Sender     = "sender"
	UplinkLoRa = "uplink-lora"
	UplinkAX25 = "uplink-ax25"
	SenderAX25 = "sender-ax25"
)

// Callsigns of the AX.25 stations: N0CALL is the placeholder callsign; a
// real station transmits with its operator's.
const (
	UplinkCall = "N0CALL-1"
	RxCall     = "N0CALL-2"
	SenderCall = "N0CALL-3"
)

// Airtime limits of the AX.25 stations per rolling hour (the LoRa radios
// have the EU868 g3 sub-band's 10 %, 360 s).
const (
	UplinkAX25Airtime = 360 * time.Second
	StationAX25Limit  = 60 * time.Second
)

// CarouselGap spreads the uplink's LoRa carousel over the hour: a header
// run of 16 regtest headers is about two seconds of SF7 airtime, so the
// carousel takes about 6 % of the time on air, under the 7.5 % it may use
// of the g3 sub-band's 10 % (the rest is kept for tips and transactions).
// Without the gap it would spend its share in the first minutes and fall
// silent for the rest of the hour, leaving a late receiver, or one that
// must hear the new branch of a reorganisation, waiting.
const CarouselGap = 30 * time.Second

// CarouselDepth is how many recent headers the uplink's carousel repeats.
// The demo's receivers start from the regtest genesis block and the LoRa
// one has no other way to learn the chain, so the carousel carries all of
// it, up to a retarget period's worth (a board in the field starts from a
// recent checkpoint and keeps the default, a day of blocks).
const CarouselDepth = 2016

// Links: the LoRa receiver hears the uplink far away and weakly (its loss
// is Config.LoRaLoss); the AX.25 stations are in line of sight of each
// other, with a little loss and some bit errors (which fail the FCS).
var (
	loraLink = medium.Link{RSSI: -112, SNR: -4}
	ax25Link = medium.Link{Loss: 0.02, BitErrorRate: 1e-5}
)

// build creates the radios, the chain source and the four stations.
func (r *run) build(ctx context.Context, dir string) error {
	if err := r.buildRadios(ctx); err != nil {
		return err
	}
	src, err := newSource(r)
	if err != nil {
		return err
	}
	r.src = src
	specs := []struct {
		name, role string
		build      func(*station) error
	}{
		{Uplink, "uplink gateway", r.uplink},
		{RxLoRa, "receiver, LoRa one-way", r.receiver(RxLoRa, link.Redundancy{})},
		{RxAX25, "receiver, AX.25 two-way", r.receiver(RxAX25, link.Redundancy{Extra: 1})},
		{Sender, "emergency sender, AX.25", func(s *station) error { return r.sender(s, dir) }},
	}
	for _, sp := range specs {
		c, err := r.openChain(dir, sp.name)
		if err != nil {
			return err
		}
		s := &station{name: sp.name, role: sp.role, chain: c}
		r.stations = append(r.stations, s)
		switch sp.name {
		case Uplink:
			r.up = s
		case Sender:
			r.snd = s
		default:
			r.receivers = append(r.receivers, s)
		}
		if err := sp.build(s); err != nil {
			return fmt.Errorf("demo: %s: %w", sp.name, err)
		}
	}
	return nil
}

// buildRadios attaches the five radios and links them.
func (r *run) buildRadios(ctx context.Context) error {
	w := r.world
	if _, err := w.LoRa(UplinkLoRa, sim.LoRaOptions{}); err != nil {
		return err
	}
	if _, err := w.LoRa(RxLoRa, sim.LoRaOptions{ReceiveOnly: true}); err != nil {
		return err
	}
	ax := []struct {
		name, call string
		limit      time.Duration
	}{
		{UplinkAX25, UplinkCall, UplinkAX25Airtime},
		{RxAX25, RxCall, StationAX25Limit},
		{SenderAX25, SenderCall, StationAX25Limit},
	}
	for _, a := range ax {
		if _, err := w.AX25(ctx, a.name, sim.AX25Options{Callsign: a.call, AirtimeAllowed: a.limit}); err != nil {
			return err
		}
	}
	l := loraLink
	l.Loss = r.cfg.LoRaLoss
	w.Link(UplinkLoRa, RxLoRa, l) // one way: the receiver has no transmitter
	w.LinkBoth(UplinkAX25, RxAX25, ax25Link)
	w.LinkBoth(UplinkAX25, SenderAX25, ax25Link)
	w.LinkBoth(RxAX25, SenderAX25, ax25Link)
	return nil
}

// driver returns the named radio's driver.
func (r *run) driver(name string) radio.Driver {
	rd, _ := r.world.Radio(name)
	if rd.LoRa != nil {
		return rd.LoRa
	}
	return rd.TNC
}

// demoAckKey is the acknowledgement key the demo's uplink and sender
// share (tx.ack_key): acknowledgements go out tagged, and the sender
// believes only tagged ones.
const demoAckKey = "altnet demo acknowledgement key"

// options returns the gateway options every station shares.
func (r *run) options(s *station) gateway.Options {
	return gateway.Options{Chain: s.chain, Clock: r.clk, Seed: r.cfg.Seed + uint64(len(r.stations)),
		Logger: r.log.With("gw", s.name), AckKey: []byte(demoAckKey)}
}

// uplink configures the uplink gateway: the carousel on the one-way LoRa
// link, with forward error correction planned for its loss; answers to
// header requests on AX.25; acknowledgements only where they can be heard.
func (r *run) uplink(s *station) error {
	o := r.options(s)
	o.Roles = gateway.Roles{Uplink: true}
	loss := max(r.cfg.LoRaLoss, 0.05)
	o.Drivers = []gateway.Driver{
		{Driver: r.driver(UplinkLoRa), Carousel: true, CarouselGap: CarouselGap, Redundancy: link.Redundancy{Loss: loss, Target: 0.99}},
		{Driver: r.driver(UplinkAX25), Redundancy: link.Redundancy{Extra: 1}},
	}
	o.Assignment = traffic.Assignment{link.TypeTxAck: {UplinkAX25}}
	s.sink = gateway.NewNodeSink(s.chain)
	o.NodeHeaders = s.sink
	o.Node = r.src
	o.NodeStatus = r.src.nodeStatus()
	o.MaxDelay = time.Minute
	o.CarouselDepth = CarouselDepth
	s.radios = []string{UplinkLoRa, UplinkAX25}
	return r.newGateway(s, o)
}

// receiver configures an off-grid receiver on one radio.
func (r *run) receiver(radioName string, red link.Redundancy) func(*station) error {
	return func(s *station) error {
		o := r.options(s)
		o.Roles = gateway.Roles{Receiver: true}
		o.Drivers = []gateway.Driver{{Driver: r.driver(radioName), Redundancy: red}}
		s.radios = []string{radioName}
		return r.newGateway(s, o)
	}
}

// sender configures the emergency sender with its queue on "flash".
func (r *run) sender(s *station, dir string) error {
	q, bad, err := txqueue.Open(filepath.Join(dir, s.name, "txqueue"))
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("transaction queue: %v", bad[0])
	}
	s.queue = q
	o := r.options(s)
	o.Roles = gateway.Roles{Sender: true}
	o.Queue = q
	o.Drivers = []gateway.Driver{{Driver: r.driver(SenderAX25), Redundancy: link.Redundancy{Extra: 1}}}
	o.TxRepeat = link.DefaultLimits.DoneFor
	s.radios = []string{SenderAX25}
	return r.newGateway(s, o)
}

func (r *run) newGateway(s *station, o gateway.Options) error {
	g, err := gateway.New(o)
	if err != nil {
		return err
	}
	s.gw = g
	return nil
}
