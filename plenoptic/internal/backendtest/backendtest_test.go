package backendtest

import (
	"slices"
	"strings"
	"testing"
)

func TestTestBackends(t *testing.T) {
	for list, want := range map[string][]string{
		"":                   {"xla:cpu", "go"},
		"xla:cuda, go":       {"xla:cuda", "go"},
		"xla:cpu":            {"xla:cpu"},
		" xla:cuda,xla:cpu ": {"xla:cuda", "xla:cpu"},
	} {
		if got := testBackends(list); !slices.Equal(got, want) {
			t.Errorf("testBackends(%q) = %q, want %q", list, got, want)
		}
	}
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, `"cuda" is not one of`) {
			t.Errorf("an unknown backend: %v", r)
		}
	}()
	testBackends("cuda,go")
}
