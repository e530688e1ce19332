package kernel

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if introDir != "" {
		os.RemoveAll(introDir)
	}
	os.Exit(code)
}
