package synth

import (
	"testing"

	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

func TestMain(m *testing.M) { backendtest.Main(m) }
