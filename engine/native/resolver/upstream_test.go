package resolver

import (
	"slices"
	"testing"
)

func TestUpstreams(t *testing.T) {
	tests := []struct {
		name       string
		resolvConf string
		want       []string
	}{
		{name: "empty", want: []string{"8.8.8.8:53", "8.8.4.4:53"}},
		{name: "no nameserver", resolvConf: "search example.org\noptions ndots:2\n",
			want: []string{"8.8.8.8:53", "8.8.4.4:53"}},
		{name: "IPv4 in order", resolvConf: "nameserver 10.0.0.2\nnameserver 1.1.1.1\n",
			want: []string{"10.0.0.2:53", "1.1.1.1:53"}},
		{name: "IPv6 bracketed", resolvConf: "nameserver 2001:db8::53\nnameserver fe80::1%eth0\n",
			want: []string{"[2001:db8::53]:53", "[fe80::1%eth0]:53"}},
		{name: "systemd-resolved kept", resolvConf: "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
			want: []string{"127.0.0.53:53"}},
		{name: "comments, blanks and tabs",
			resolvConf: "# generated\n\n;nameserver 9.9.9.9\n  nameserver\t192.0.2.53  # office\n",
			want:       []string{"192.0.2.53:53"}},
		{name: "garbage skipped", resolvConf: "nameserver dns.example.org\nnameserver\nnameserver 192.0.2.7\n",
			want: []string{"192.0.2.7:53"}},
		{name: "only garbage", resolvConf: "nameserver not-an-ip\n",
			want: []string{"8.8.8.8:53", "8.8.4.4:53"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Upstreams([]byte(tt.resolvConf)); !slices.Equal(got, tt.want) {
				t.Errorf("Upstreams(%q) = %q, want %q", tt.resolvConf, got, tt.want)
			}
		})
	}
}
