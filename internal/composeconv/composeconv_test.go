package composeconv

import (
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
)

func TestEnvironment(t *testing.T) {
	v := func(s string) *string { return &s }
	tests := []struct {
		name string
		in   types.MappingWithEquals
		want []string
	}{
		{"empty", nil, nil},
		{"sorted, unset as KEY", types.MappingWithEquals{"B": v("2"), "A": v(""), "C": nil}, []string{"A=", "B=2", "C"}},
	}
	for _, tt := range tests {
		if got := Environment(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Environment got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestUlimits(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]*types.UlimitsConfig
		want []*container.Ulimit
	}{
		{"empty", nil, nil},
		{
			"single and soft/hard, sorted",
			map[string]*types.UlimitsConfig{"nproc": {Single: 65535}, "nofile": {Soft: 1024, Hard: 4096}},
			[]*container.Ulimit{{Name: "nofile", Soft: 1024, Hard: 4096}, {Name: "nproc", Soft: 65535, Hard: 65535}},
		},
	}
	for _, tt := range tests {
		if got := Ulimits(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Ulimits got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
