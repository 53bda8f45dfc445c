package p2p

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/wire"
)

// Protocol facts this package relies on.
const (
	// ProtocolVersion is the version this package speaks: 70016 (BIP 155
	// addrv2; the version of btcd v0.24.2 and Bitcoin Core since 0.21).
	ProtocolVersion = wire.ProtocolVersion
	// MinPeerVersion is the oldest peer protocol accepted: 70012 (BIP 130
	// sendheaders). Every node of the last eight years speaks it.
	MinPeerVersion = wire.SendHeadersVersion
	// maxHandshakeMessages bounds what a peer may send before the handshake
	// is done (sendaddrv2, wtxidrelay, sendcmpct, ... are ignored).
	maxHandshakeMessages = 32
)

// Handshake errors; compare with errors.Is.
var (
	// ErrSelfConnection: the peer is this process (its version carries our
	// own nonce).
	ErrSelfConnection = errors.New("p2p: connected to self")
	// ErrHandshake: the peer broke the version/verack exchange.
	ErrHandshake = errors.New("p2p: handshake failed")
)

// localVersion is what we say about ourselves in a version message.
type localVersion struct {
	magic       wire.BitcoinNet
	services    wire.ServiceFlag
	userAgent   string // BIP 14, e.g. "/altnet:0.1.0/"
	startHeight int32
	relay       bool // ask the peer to announce its transactions
	nonce       uint64
	now         time.Time
}

// versionMsg builds the version message for a connection.
func (v localVersion) versionMsg(nc net.Conn) *wire.MsgVersion {
	return &wire.MsgVersion{
		ProtocolVersion: int32(ProtocolVersion),
		Services:        v.services,
		Timestamp:       time.Unix(v.now.Unix(), 0),
		AddrYou:         *netAddress(nc.RemoteAddr(), 0),
		AddrMe:          *netAddress(nc.LocalAddr(), v.services),
		Nonce:           v.nonce,
		UserAgent:       v.userAgent,
		LastBlock:       v.startHeight,
		DisableRelayTx:  !v.relay,
	}
}

// netAddress converts a TCP address for a version message (zero when it is
// not one).
func netAddress(a net.Addr, services wire.ServiceFlag) *wire.NetAddress {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return &wire.NetAddress{IP: net.IPv4zero, Services: services}
	}
	p, _ := strconv.ParseUint(port, 10, 16)
	ip := net.ParseIP(host)
	if ip == nil {
		ip = net.IPv4zero
	}
	return &wire.NetAddress{IP: ip, Port: uint16(p), Services: services, Timestamp: time.Unix(0, 0)}
}

// newNonce returns a random version nonce.
func newNonce() uint64 { return rand.Uint64() }

// handshake runs the version/verack exchange on p within timeout. The
// outbound side sends its version first; the inbound side waits for the
// peer's. It sets p.pver to the lower of both versions and returns the
// peer's version message.
func handshake(p *peerConn, local localVersion, outbound bool, timeout time.Duration) (*wire.MsgVersion, error) {
	if err := p.setReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	remote, err := exchange(p, local, outbound)
	if err != nil {
		return nil, err
	}
	if err := p.setReadDeadline(time.Time{}); err != nil {
		return nil, err
	}
	p.pver = min(uint32(remote.ProtocolVersion), ProtocolVersion)
	return remote, nil
}

func exchange(p *peerConn, local localVersion, outbound bool) (*wire.MsgVersion, error) {
	var remote *wire.MsgVersion
	gotVerack := false
	if outbound {
		if err := p.send(local.versionMsg(p.nc)); err != nil {
			return nil, err
		}
	}
	for range maxHandshakeMessages {
		msg, err := p.recv()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
		}
		switch m := msg.(type) {
		case *wire.MsgVersion:
			if remote != nil {
				return nil, fmt.Errorf("%w: second version message", ErrHandshake)
			}
			if err := checkRemote(m, local.nonce); err != nil {
				return nil, err
			}
			remote = m
			if err := answerVersion(p, local, outbound); err != nil {
				return nil, err
			}
		case *wire.MsgVerAck:
			if remote == nil {
				return nil, fmt.Errorf("%w: verack before version", ErrHandshake)
			}
			gotVerack = true
		default:
			// sendaddrv2 and the like: allowed before verack, ignored.
		}
		if remote != nil && gotVerack {
			return remote, nil
		}
	}
	return nil, fmt.Errorf("%w: more than %d messages before verack", ErrHandshake, maxHandshakeMessages)
}

// answerVersion sends what follows the peer's version: our version too when
// we are the inbound side, then verack.
func answerVersion(p *peerConn, local localVersion, outbound bool) error {
	if !outbound {
		if err := p.send(local.versionMsg(p.nc)); err != nil {
			return err
		}
	}
	return p.send(wire.NewMsgVerAck())
}

func checkRemote(m *wire.MsgVersion, nonce uint64) error {
	if m.Nonce == nonce {
		return ErrSelfConnection
	}
	if uint32(m.ProtocolVersion) < MinPeerVersion || m.ProtocolVersion < 0 {
		return fmt.Errorf("%w: peer protocol %d, need %d", ErrHandshake, m.ProtocolVersion, MinPeerVersion)
	}
	return nil
}
