package fake_test

import (
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/enginetest"
	"github.com/berth-dev/berth/engine/fake"
)

func TestContract(t *testing.T) {
	enginetest.Run(t, enginetest.Harness{
		New: func(*testing.T) engine.Engine {
			return fake.New().WithImage(engine.Image{Tags: []string{"berth-test:latest"}}).Build()
		},
		Image:    "berth-test:latest",
		Project:  enginetest.ProjectName,
		Registry: func(*testing.T) string { return "reg.example" },
	})
}
