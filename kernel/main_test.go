package kernel

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if execDir != "" {
		os.RemoveAll(execDir)
	}
	if docsWork != "" {
		os.RemoveAll(docsWork)
	}
	os.Exit(code)
}
