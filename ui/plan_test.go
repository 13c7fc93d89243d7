package ui

import "testing"

func TestDecoratePlan(t *testing.T) {
	plan := "project shop: 4 actions\n" +
		"#0 create-network network shop_default\n" +
		"#1 recreate container shop-web-1 after #0 [destructive]\n" +
		"    env-changed: environment.DB_HOST changed\n" +
		"#2 remove container shop-old-1 [destructive]\n" +
		"#3 teleport container shop-x-1\n" +
		"warning: orphan container shop-tmp-1 kept\n"
	tests := []struct {
		name    string
		colored bool
		want    string
	}{
		{
			name: "symbols without colour",
			want: "project shop: 4 actions\n" +
				"+ #0 create-network network shop_default\n" +
				"~ #1 recreate container shop-web-1 after #0 [destructive]\n" +
				"      env-changed: environment.DB_HOST changed\n" +
				"- #2 remove container shop-old-1 [destructive]\n" +
				"  #3 teleport container shop-x-1\n" +
				"warning: orphan container shop-tmp-1 kept\n",
		},
		{
			name:    "coloured symbols",
			colored: true,
			want: "project shop: 4 actions\n" +
				"\x1b[32m+\x1b[0m #0 create-network network shop_default\n" +
				"\x1b[33m~\x1b[0m #1 recreate container shop-web-1 after #0 [destructive]\n" +
				"      env-changed: environment.DB_HOST changed\n" +
				"\x1b[31m-\x1b[0m #2 remove container shop-old-1 [destructive]\n" +
				"  #3 teleport container shop-x-1\n" +
				"\x1b[33;1mwarning: orphan container shop-tmp-1 kept\x1b[0;22m\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecoratePlan(plan, tt.colored); got != tt.want {
				t.Errorf("DecoratePlan(plan, %v) got\n%q\nwant\n%q", tt.colored, got, tt.want)
			}
		})
	}
}

func TestDecoratePlanSignals(t *testing.T) {
	plan := "project shop: 3 actions\n" +
		"#0 kill container shop-web-1\n" +
		"#1 pause container shop-db-1\n" +
		"#2 unpause container shop-cache-1\n"
	want := "project shop: 3 actions\n" +
		"< #0 kill container shop-web-1\n" +
		"< #1 pause container shop-db-1\n" +
		"> #2 unpause container shop-cache-1\n"
	if got := DecoratePlan(plan, false); got != want {
		t.Errorf("DecoratePlan got\n%s\nwant\n%s", got, want)
	}
}
