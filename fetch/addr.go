package fetch

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blocked lists the IP ranges a fetch may not connect to beyond what
// netip.Addr's predicates cover: shared (carrier-grade NAT) space, "this
// network", IETF protocol assignments, benchmarking, reserved and
// documentation ranges.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("192.88.99.0/24"), // 6to4 relay anycast, deprecated
	netip.MustParsePrefix("::/96"),          // IPv4-compatible, deprecated
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2001::/32"),      // Teredo: tunnels to any IPv4 address
	netip.MustParsePrefix("fec0::/10"),      // site-local, deprecated
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64: not globally routable
}

// Prefixes of IPv6 ranges that carry an IPv4 address: NAT64 (the last four
// bytes) and 6to4 (bytes 2 to 5). The embedded address is checked too.
var (
	nat64     = []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96")}
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// publicAddr reports whether a is an address on the public internet, the only
// kind a fetch may connect to: not loopback, private (RFC 1918, fc00::/7),
// link-local, multicast, unspecified, CGNAT or reserved, including the same
// addresses written as IPv4-mapped, NAT64 or 6to4 IPv6.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	if a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	for _, p := range blocked {
		if p.Contains(a) {
			return false
		}
	}
	if a.Is6() {
		b := a.As16()
		for _, p := range nat64 {
			if p.Contains(a) {
				return publicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
			}
		}
		if sixToFour.Contains(a) {
			return publicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return true
}

// dialControl is a net.Dialer Control function: it runs after the host name
// has been resolved, on the very address about to be dialled, and refuses any
// address that is not public. Checking here rather than before the request
// means a DNS answer that changes between a check and the connection (DNS
// rebinding), or a redirect to an internal host, cannot reach the internal
// network.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &AddressError{Addr: address}
	}
	if !publicAddr(ap.Addr()) {
		return &AddressError{Addr: ap.Addr().Unmap().String()}
	}
	return nil
}

// AddressError reports a refused connection to an address that is not on
// the public internet. It wraps ErrPrivateAddress.
type AddressError struct {
	Addr string // the IP address that was about to be dialled
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %v", e.Addr, ErrPrivateAddress)
}

// Unwrap returns ErrPrivateAddress.
func (e *AddressError) Unwrap() error { return ErrPrivateAddress }
