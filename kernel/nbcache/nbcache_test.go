package nbcache

import (
	"encoding/gob"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func saveInt(v int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return gob.NewEncoder(f).Encode(v)
}

func loadInt(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var v int
	err = gob.NewDecoder(f).Decode(&v)
	return v, err
}

func TestGetBuildsOnceThenLoads(t *testing.T) {
	t.Setenv(EnvDir, t.TempDir())
	builds := 0
	build := func() (int, error) { builds++; return 42, nil }
	for range 3 {
		v, err := Get("answer", loadInt, build, saveInt)
		if err != nil || v != 42 {
			t.Fatalf("Get = %v, %v", v, err)
		}
	}
	require.Equal(t, 1, builds, "the value must be built once and then loaded")
	require.NoError(t, Forget("answer"))
	if _, err := Get("answer", loadInt, build, saveInt); err != nil || builds != 2 {
		t.Errorf("after Forget: builds=%d err=%v", builds, err)
	}
	if _, err := Get("../escape", loadInt, build, saveInt); err == nil {
		t.Error("a name with a path separator was accepted")
	}
}
