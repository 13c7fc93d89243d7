package transfer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// Select picks the containers of service that a copy works on, from the
// project's containers, as compose does: with index > 0 the container of
// that number; otherwise every container of the service when copying to
// it, and the first when copying from it. One-off containers (berth run)
// count only with oneOff.
func Select(containers []engine.Container, service string, index int, oneOff, toService bool) ([]engine.Container, error) {
	var out []engine.Container
	for _, c := range containers {
		if c.Labels[engine.LabelService] != service {
			continue
		}
		if c.Labels[engine.LabelOneoff] == "True" && (!oneOff || index > 0) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b engine.Container) int {
		return cmp.Or(number(a)-number(b), strings.Compare(a.Name, b.Name))
	})
	if index > 0 {
		for _, c := range out {
			if number(c) == index {
				return []engine.Container{c}, nil
			}
		}
		return nil, fmt.Errorf("service %q has no container #%d: see berth ps %s", service, index, service)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no container found for service %q: start it with berth up %s", service, service)
	}
	if !toService {
		out = out[:1]
	}
	return out, nil
}

func number(c engine.Container) int {
	n, _ := strconv.Atoi(c.Labels[engine.LabelNumber])
	return n
}
