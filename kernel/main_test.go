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
	if docsWork != "" {
		os.RemoveAll(docsWork)
	}
	os.Exit(code)
}
