package subnet_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/internal/subnet"
)

func testPool(t *testing.T, cidr string) subnet.Pool {
	t.Helper()
	p, ok, err := subnet.Parse(cidr, "24")
	if err != nil || !ok {
		t.Fatalf("Parse(%s): ok %v, error %v", cidr, ok, err)
	}
	return p
}

// existing creates a network outside berth's pool logic, as another tool would.
func existing(t *testing.T, f *fake.Engine, name, cidr string) {
	t.Helper()
	_, err := f.CreateNetwork(context.Background(), engine.NetworkSpec{Name: name,
		Config: types.NetworkConfig{Ipam: types.IPAMConfig{Config: []*types.IPAMPool{{Subnet: cidr}}}}})
	if err != nil {
		t.Fatalf("seed network %s in %s: %v", name, cidr, err)
	}
}

func subnetsOf(t *testing.T, f *fake.Engine) []string {
	t.Helper()
	got, err := f.Subnets(context.Background())
	if err != nil {
		t.Fatalf("Subnets: %v", err)
	}
	var out []string
	for _, s := range got {
		out = append(out, s.String())
	}
	return out
}

func TestCreatePicksAroundExistingNetworks(t *testing.T) {
	f := fake.New().Build()
	existing(t, f, "other_a", "10.199.0.0/24")
	existing(t, f, "other_b", "10.199.1.0/25")
	existing(t, f, "bridge", "172.17.0.0/16")
	spec := engine.NetworkSpec{Name: "shop_default", Labels: map[string]string{engine.LabelProject: "shop"}}
	id, s, err := subnet.Create(context.Background(), f, testPool(t, "10.199.0.0/16"), spec, subnet.Options{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if s.String() != "10.199.2.0/24" {
		t.Errorf("Create got subnet %s, want 10.199.2.0/24, the lowest free one", s)
	}
	if spec.Subnet.IsValid() {
		t.Errorf("Create changed the caller's spec: Subnet %s", spec.Subnet)
	}
	n, err := f.InspectNetwork(context.Background(), "shop_default")
	if err != nil || n.ID != id {
		t.Fatalf("InspectNetwork(shop_default) got %v (error %v), want ID %s", n, err, id)
	}
	if got := strings.Join(subnetsOf(t, f), " "); got != "10.199.0.0/24 10.199.1.0/25 10.199.2.0/24 172.17.0.0/16" {
		t.Errorf("subnets after Create got %s", got)
	}
}

// TestCreateReusesFreedSubnets: a removed network's subnet is the next one
// handed out, with no bookkeeping of berth's own.
func TestCreateReusesFreedSubnets(t *testing.T) {
	ctx := context.Background()
	f := fake.New().Build()
	pool := testPool(t, "10.199.0.0/16")
	var ids []string
	for _, name := range []string{"a_default", "b_default", "c_default"} {
		id, _, err := subnet.Create(ctx, f, pool, engine.NetworkSpec{Name: name}, subnet.Options{})
		if err != nil {
			t.Fatalf("Create(%s): %v", name, err)
		}
		ids = append(ids, id)
	}
	if err := f.RemoveNetwork(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	_, s, err := subnet.Create(ctx, f, pool, engine.NetworkSpec{Name: "d_default"}, subnet.Options{})
	if err != nil || s.String() != "10.199.1.0/24" {
		t.Errorf("Create after removing b_default got %s (error %v), want its 10.199.1.0/24", s, err)
	}
}

// TestCreateRetriesOnOverlap: another process takes the picked subnet
// between the list and the create; the engine refuses, and Create takes the
// next free one.
func TestCreateRetriesOnOverlap(t *testing.T) {
	for _, competitors := range []int{1, 3} {
		t.Run(itoa(competitors)+" competitors", func(t *testing.T) {
			f := fake.New().Build()
			var raced atomic.Int32
			f.Hooks.CreateNetwork = func(ctx context.Context, spec engine.NetworkSpec) error {
				if spec.Name != "shop_default" || raced.Add(1) > int32(competitors) {
					return nil
				}
				// The competitor gets the subnet the spec asks for first.
				_, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "rival" + itoa(int(raced.Load())), Subnet: spec.Subnet})
				return err
			}
			_, s, err := subnet.Create(context.Background(), f, testPool(t, "10.199.0.0/16"), engine.NetworkSpec{Name: "shop_default"}, subnet.Options{})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			want := "10.199." + itoa(competitors) + ".0/24"
			if s.String() != want {
				t.Errorf("Create got %s, want %s after %d refused", s, want, competitors)
			}
			creates := 0
			for _, c := range f.Calls() {
				if c.Method == "CreateNetwork" && c.Args[0] == "shop_default" {
					creates++
				}
			}
			if creates != competitors+1 {
				t.Errorf("CreateNetwork(shop_default) called %d times, want %d", creates, competitors+1)
			}
		})
	}
}

// TestCreateGivesUpOnEndlessOverlaps: an engine that refuses every subnet
// while listing none in use must not walk the whole pool.
func TestCreateGivesUpOnEndlessOverlaps(t *testing.T) {
	f := fake.New().Build()
	var tries atomic.Int32
	f.Hooks.CreateNetwork = func(context.Context, engine.NetworkSpec) error {
		tries.Add(1)
		return engine.ErrSubnetOverlap
	}
	_, _, err := subnet.Create(context.Background(), f, testPool(t, "10.199.0.0/16"), engine.NetworkSpec{Name: "shop_default"}, subnet.Options{})
	if !errors.Is(err, engine.ErrSubnetOverlap) || !strings.Contains(err.Error(), "refused 16 subnets") {
		t.Errorf("Create got error %v, want one saying 16 subnets were refused", err)
	}
	if tries.Load() != 16 {
		t.Errorf("CreateNetwork tried %d times, want 16", tries.Load())
	}
}

func TestCreateExhausted(t *testing.T) {
	f := fake.New().Build()
	existing(t, f, "a", "10.199.0.0/24")
	existing(t, f, "b", "10.199.1.0/24")
	_, _, err := subnet.Create(context.Background(), f, testPool(t, "10.199.0.0/23"), engine.NetworkSpec{Name: "shop_default"}, subnet.Options{})
	if !errors.Is(err, subnet.ErrExhausted) {
		t.Fatalf("Create on a full pool got %v, want ErrExhausted", err)
	}
	for _, part := range []string{"shop_default", "10.199.0.0/23", "2 networks use it", "BERTH_SUBNET_POOL"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
	if m := f.Mutations(); len(m) != 2 {
		t.Errorf("a full pool must create nothing; calls %v", m)
	}
}

// TestCreateHoldsLock: the pick and the create happen under the lock, and
// concurrent creates all get distinct subnets.
func TestCreateHoldsLock(t *testing.T) {
	f := fake.New().Build()
	var mu sync.Mutex
	var held atomic.Bool
	f.Hooks.CreateNetwork = func(context.Context, engine.NetworkSpec) error {
		if !held.Load() {
			t.Error("CreateNetwork ran without the lock")
		}
		return nil
	}
	opts := subnet.Options{Lock: func(context.Context) (func() error, error) {
		mu.Lock()
		held.Store(true)
		return func() error { held.Store(false); mu.Unlock(); return nil }, nil
	}}
	pool := testPool(t, "10.199.0.0/16")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, _, err := subnet.Create(context.Background(), f, pool, engine.NetworkSpec{Name: "p" + itoa(i) + "_default"}, opts); err != nil {
				t.Errorf("Create: %v", err)
			}
		})
	}
	wg.Wait()
	if got := len(subnetsOf(t, f)); got != 20 {
		t.Errorf("20 concurrent creates left %d subnets, want 20 distinct", got)
	}
}

func TestCreateLockError(t *testing.T) {
	f := fake.New().Build()
	boom := errors.New("boom")
	_, _, err := subnet.Create(context.Background(), f, testPool(t, "10.199.0.0/16"), engine.NetworkSpec{Name: "shop_default"},
		subnet.Options{Lock: func(context.Context) (func() error, error) { return nil, boom }})
	if !errors.Is(err, boom) || len(f.Mutations()) != 0 {
		t.Errorf("Create with a failing lock got %v and calls %v, want the lock's error and nothing created", err, f.Mutations())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
