package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// TestObserveUp checks that ObserveUp plans what a list of every image
// plans, inspecting the services' images when they are few and listing
// them all past inspectLimit.
func TestObserveUp(t *testing.T) {
	tagged := time.Now().Add(-48 * time.Hour)
	many := "services:\n"
	for i := range inspectLimit + 1 {
		many += fmt.Sprintf("  s%d:\n    image: img%d:1\n", i, i)
	}
	tests := []struct {
		name string
		yaml string
		list bool // whether every image is listed
	}{
		{name: "shop", yaml: shop},
		{name: "missing image", yaml: "services:\n  app:\n    image: example/absent:1\n"},
		{name: "daily pull policy, tagged two days ago", yaml: "services:\n  d:\n    image: daily:1\n    pull_policy: daily\n"},
		{name: "build with no image", yaml: "services:\n  w:\n    build: ./worker\n"},
		{name: "one image under two names", yaml: "services:\n  a:\n    image: redis:7\n  b:\n    image: docker.io/library/redis:7\n"},
		{name: "more images than inspectLimit", yaml: many, list: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images := append(baseImages(), engine.Image{Tags: []string{"daily:1"}, LastTagTime: tagged})
			for i := range inspectLimit + 1 {
				images = append(images, engine.Image{Tags: []string{fmt.Sprintf("img%d:1", i)}})
			}
			f := fake.New().WithImage(images...).Build()
			p := load(t, tt.yaml)
			p.Name = "shop"
			listed, err := Observe(context.Background(), f, p.Name)
			if err == nil {
				err = observeTagTimes(context.Background(), f, p, &listed)
			}
			if err != nil {
				t.Fatal(err)
			}
			f.ResetCalls()
			got, err := ObserveUp(context.Background(), f, p)
			if err != nil {
				t.Fatalf("ObserveUp: %v", err)
			}
			var listCalls, inspects int
			for _, c := range f.Calls() {
				switch c.Method {
				case "Images":
					listCalls++
				case "InspectImage":
					inspects++
				}
			}
			if tt.list && (listCalls != 1 || inspects != 0) || !tt.list && (listCalls != 0 || inspects == 0 || inspects > inspectLimit) {
				t.Errorf("ObserveUp listed images %d times and inspected %d; want a list: %v", listCalls, inspects, tt.list)
			}
			now := time.Now()
			want := planUp(t, p, listed, UpOptions{Now: now}).String()
			if plan := planUp(t, p, got, UpOptions{Now: now}).String(); plan != want {
				t.Errorf("the plan from ObserveUp:\n%s\nwant the plan from a list of every image:\n%s", plan, want)
			}
			if strings.Contains(tt.name, "daily") && !strings.Contains(want, "pull") {
				t.Errorf("a daily image tagged two days ago plans no pull:\n%s", want)
			}
		})
	}
}
