package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"::ffff:93.184.216.34", true},
		{"64:ff9b::5db8:d822", true}, // NAT64 of 93.184.216.34
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"100.64.0.1", false},
		{"100.127.255.254", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"198.18.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false},                          // IPv4-compatible
		{"64:ff9b::7f00:1", false},                      // NAT64 of 127.0.0.1
		{"64:ff9b:1:7f00:0:100:808:808", false},         // local-use NAT64 (/48 layout: 127.0.0.1)
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
		{"fec0::1", false},                              // site-local
		{"192.88.99.1", false},                          // 6to4 relay
		{"2002:a00:1::1", false},                        // 6to4 of 10.0.0.1
		{"2002:5db8:d822::1", true},                     // 6to4 of 93.184.216.34
		{"fe80::1%eth0", false},                         // zoned
		{"2001:db8::1", false},                          // documentation
	}
	for _, tc := range tests {
		a := netip.MustParseAddr(tc.addr)
		if got := publicAddr(a); got != tc.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestDialControl(t *testing.T) {
	tests := []struct {
		address string
		ok      bool
	}{
		{"93.184.216.34:443", true},
		{"[2606:4700::1111]:80", true},
		{"127.0.0.1:8080", false},
		{"[::ffff:192.168.0.1]:80", false},
		{"localhost:80", false}, // not an address: never dialled unresolved
	}
	for _, tc := range tests {
		err := dialControl("tcp", tc.address, nil)
		if tc.ok && err != nil {
			t.Errorf("dialControl(%q) = %v, want nil", tc.address, err)
		}
		if !tc.ok && !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("dialControl(%q) = %v, want ErrPrivateAddress", tc.address, err)
		}
	}
}
