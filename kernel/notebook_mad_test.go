package kernel

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// notebookOutput returns what every code cell of an executed notebook printed
// on stdout, and the sources of its code cells.
func notebookOutput(t *testing.T, name string) (stdout, sources string) {
	t.Helper()
	nb := readNotebook(t, filepath.Join(executedNotebooks(t), name))
	var out, src strings.Builder
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			out.WriteString(c.Stdout())
			src.WriteString(c.SourceText())
		}
	}
	return out.String(), src.String()
}

func parseFloats(t *testing.T, ss ...string) []float64 {
	t.Helper()
	var out []float64
	for _, s := range ss {
		for _, f := range strings.Fields(s) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("parsing %q: %v", s, err)
			}
			out = append(out, v)
		}
	}
	return out
}

// storeLines counts the store's outcome lines by outcome.
func storeLines(out, what string) map[string]int {
	count := map[string]int{}
	re := regexp.MustCompile(`(?m)^` + what + ` [0-9a-f]{8}: (loaded|resumed|computed)`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		count[m[1]]++
	}
	return count
}

// TestMADCompetition1Notebook checks the two-pixel MAD Competition: each
// synthesis holds its reference metric (to 5·10⁻⁴ relative) and lands where
// the level sets say — maximizing L2 at fixed L1 and minimizing L1 at fixed
// L2 leave one pixel unchanged (to 10⁻³), maximizing L1 at fixed L2 changes
// both pixels equally (to 10⁻³), minimizing L2 at fixed L1 too (to 5·10⁻³:
// it is still moving after its 2000 iterations, in plenoptic as here) — and
// the final points equal those plenoptic 1.1.0 reaches from the same start
// with the same settings (to 10⁻⁴). For the checkerboard: L2 max and L1 min
// change few pixels, L2 min and L1 max every pixel, by small amounts.
func TestMADCompetition1Notebook(t *testing.T) {
	out, src := notebookOutput(t, "MAD_Competition_1.ipynb")
	// plenoptic 1.1.0, set_seed(115), the tutorial's settings (|pixel changes|).
	plenoptic := map[string][2]float64{
		"l2_norm_min": {0.11204913, 0.10997993}, "l1_norm_min": {0.17560896, 1.3232231e-05},
		"l2_norm_max": {0.22210905, 5.8710575e-06}, "l1_norm_max": {0.1244016, 0.12411749},
	}
	re := regexp.MustCompile(`(?m)^(\w+): fixed metric ([0-9.]+) → ([0-9.]+); \|pixel changes\| ([0-9.]+), ([0-9.]+)$`)
	found := re.FindAllStringSubmatch(out, -1)
	if len(found) != 4 {
		t.Fatalf("found %d summary lines of the two-pixel syntheses, want 4:\n%s", len(found), out)
	}
	for _, m := range found {
		key := m[1]
		v := parseFloats(t, m[2:]...)
		start, end, d0, d1 := v[0], v[1], v[2], v[3]
		if math.Abs(end-start) > 5e-4*start {
			t.Errorf("%s: the held metric moved from %g to %g", key, start, end)
		}
		switch key {
		case "l2_norm_max", "l1_norm_min":
			if math.Min(d0, d1) > 1e-3 {
				t.Errorf("%s: |pixel changes| %g, %g: one pixel should keep the reference value", key, d0, d1)
			}
		case "l1_norm_max":
			if math.Abs(d0-d1) > 1e-3 {
				t.Errorf("%s: |pixel changes| %g, %g should be equal (a diagonal of the L2 circle)", key, d0, d1)
			}
		case "l2_norm_min":
			if math.Abs(d0-d1) > 5e-3 {
				t.Errorf("%s: |pixel changes| %g, %g should be (nearly) equal (the middle of the L1 diamond's edge)", key, d0, d1)
			}
		default:
			t.Errorf("unknown synthesis %q", key)
			continue
		}
		if p := plenoptic[key]; math.Abs(d0-p[0]) > 1e-4 || math.Abs(d1-p[1]) > 1e-4 {
			t.Errorf("%s: |pixel changes| %g, %g; plenoptic 1.1.0 reaches %g, %g", key, d0, d1, p[0], p[1])
		}
	}
	m := regexp.MustCompile(`l1_norm_max: MAD image − reference = \[(\S+) (\S+)\]`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the notebook does not print l1_norm_max's pixel changes")
	}
	if v := parseFloats(t, m[1:]...); math.Abs(math.Abs(v[0])-math.Abs(v[1])) > 1e-3 || v[0]*v[1] > 0 {
		t.Errorf("l1_norm_max changes %v: want equal sizes, opposite signs", v)
	}
	changes := map[string][2]float64{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+): (\d+) pixels changed by more than 1, the largest change ([0-9.]+)$`).FindAllStringSubmatch(out, -1) {
		v := parseFloats(t, m[2:]...)
		changes[m[1]] = [2]float64{v[0], v[1]}
	}
	if len(changes) != 4 {
		t.Fatalf("checkerboard changes: %v", changes)
	}
	for _, k := range []string{"l2_norm_min", "l1_norm_max"} {
		if c := changes[k]; c[0] < 0.95*4096 || c[1] > 40 {
			t.Errorf("%s: %v pixels changed, by at most %v: want (nearly) all, by small amounts", k, c[0], c[1])
		}
	}
	for _, k := range []string{"l2_norm_max", "l1_norm_min"} {
		if c := changes[k]; c[0] > 0.25*4096 || c[1] < 100 {
			t.Errorf("%s: %v pixels changed, by at most %v: want few, by large amounts", k, c[0], c[1])
		}
	}
	if changes["l2_norm_max"][1] < 200 {
		t.Errorf("l2_norm_max's largest change %v: want pixels pushed to the ends of the range", changes["l2_norm_max"][1])
	}
	for _, call := range []string{"display.PlotXY(", "display.PlotMADLossAll(", "display.MADImageAll(", `"L1 norm level set"`} {
		if !strings.Contains(src, call) {
			t.Errorf("the notebook does not use %s", call)
		}
	}
	if c := storeLines(out, "MAD"); c["computed"] != 8 || c["loaded"] < 16 {
		t.Errorf("store lines %v: want the 8 syntheses computed once and loaded by the later cells", c)
	}
}

// TestMADCompetition2Notebook checks the four MSE/SSIM syntheses: each moves
// its optimized metric the right way (by a factor of 0.75 for minimizing, 1.3
// for maximizing) and holds the reference metric within 10 %; the resumed
// synthesis continues the 200-iteration one.
func TestMADCompetition2Notebook(t *testing.T) {
	out, _ := notebookOutput(t, "MAD_Competition_2.ipynb")
	re := regexp.MustCompile(`(?m)^(Minimize|Maximize) (1 − SSIM|MSE), (\d+) iterations: reference metric (\S+) → (\S+), optimized metric (\S+) → (\S+)$`)
	found := re.FindAllStringSubmatch(out, -1)
	if len(found) != 5 {
		t.Fatalf("found %d synthesis summaries, want 5:\n%s", len(found), out)
	}
	resumed := false
	for _, m := range found {
		v := parseFloats(t, m[3:]...)
		iters, r0, r1, o0, o1 := v[0], v[1], v[2], v[3], v[4]
		if math.Abs(r1-r0) > 0.1*r0 {
			t.Errorf("%s %s: reference metric %g → %g", m[1], m[2], r0, r1)
		}
		if (m[1] == "Minimize" && o1 > 0.75*o0) || (m[1] == "Maximize" && o1 < 1.3*o0) {
			t.Errorf("%s %s: optimized metric %g → %g", m[1], m[2], o0, o1)
		}
		if m[1] == "Maximize" && m[2] == "1 − SSIM" && iters > 200 {
			resumed = true
		}
	}
	if !resumed {
		t.Error("the second Maximize 1 − SSIM synthesis did not go beyond its first 200 iterations")
	}
	if c := storeLines(out, "MAD"); c["computed"] != 5 || c["loaded"] < 10 {
		t.Errorf("store lines %v: want 5 computed and the later cells loading them", c)
	}
}

// TestPerceptualDistanceNotebook checks the equal-MSE distortions of
// Einstein (MSE within 0.1 % of each other) against plenoptic 1.1.0's SSIM,
// MS-SSIM and NLPD of the same distortions (within 10⁻⁴, 3·10⁻³ for the
// JPEG image, whose encoder differs), their order, the range warning, and the
// replacement of the TID2013 cells.
func TestPerceptualDistanceNotebook(t *testing.T) {
	out, src := notebookOutput(t, "Perceptual_distance.ipynb")
	// plenoptic 1.1.0 (JPEG by PIL at quality 4): mean shift, contrast, blur, salt and pepper, JPEG.
	want := map[string][]float64{
		"SSIM":    {0.990137, 0.922892, 0.739257, 0.728078, 0.590377},
		"MS-SSIM": {0.999191, 0.955208, 0.949241, 0.921712, 0.827403},
		"NLPD":    {0.020214, 0.201309, 0.216501, 0.339694, 0.440109},
	}
	for name, w := range want {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` \[([^\]]+)\]$`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("the notebook does not print the %s values", name)
			continue
		}
		got := parseFloats(t, m[1])
		if len(got) != 5 {
			t.Fatalf("%s: %v", name, got)
		}
		for i := range w {
			tol := 1e-4
			if i == 4 {
				tol = 3e-3
			}
			if math.Abs(got[i]-w[i]) > tol {
				t.Errorf("%s[%d] = %g, plenoptic 1.1.0 %g", name, i, got[i], w[i])
			}
			if i > 0 && (name == "NLPD") != (got[i] > got[i-1]) {
				t.Errorf("%s %v: not in the order of the distortions", name, got)
			}
		}
	}
	m := regexp.MustCompile(`(?m)^MSE \[([^\]]+)\]$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the notebook does not print the MSEs")
	}
	mse := parseFloats(t, m[1])
	for _, v := range mse {
		if math.Abs(v-mse[0]) > 1e-3*mse[0] {
			t.Errorf("the distortions' MSEs %v are not equal", mse)
			break
		}
	}
	for _, s := range []string{"Image range falls outside [0, 1]", "True SSIM: 0.7", "rescaled image SSIM: 0.4"} {
		if !strings.Contains(out, s) {
			t.Errorf("the notebook does not print %q", s)
		}
	}
	// The replacement of TID2013: the mean shift is the mildest distortion for every metric.
	lines := regexp.MustCompile(`(?m)^(.*) at the third strength, mean over the images:(.*)$`).FindAllStringSubmatch(out, -1)
	if len(lines) != 3 {
		t.Fatalf("found %d summaries of the comparison, want 3", len(lines))
	}
	for _, l := range lines {
		vals := map[string]float64{}
		for _, e := range regexp.MustCompile(`  ([A-Za-z -]+?) ([0-9.]+) \(RMSE`).FindAllStringSubmatch(l[2], -1) {
			vals[e[1]] = parseFloats(t, e[2])[0]
		}
		if len(vals) != 6 {
			t.Fatalf("%s: %v", l[1], vals)
		}
		for k, v := range vals {
			if k != "Mean shift" && v <= vals["Mean shift"] {
				t.Errorf("%s: %s (%g) is not above the mean shift (%g)", l[1], k, v, vals["Mean shift"])
			}
		}
	}
	if !strings.Contains(src, "display.PlotXY(") {
		t.Error("the comparison figure is not drawn")
	}
}

// TestQuickstartNotebook checks the quickstart's messages and store lines.
func TestQuickstartNotebook(t *testing.T) {
	out, _ := notebookOutput(t, "quickstart.ipynb")
	// The power method's top run on this model ends by its stop rule or at
	// its 1000-iteration cap depending on float32 rounding (its eigenvalue
	// still moves by ~1e-6 per iteration there, against the rule's 1e-7),
	// which differs between CPUs: both ends must run, either way.
	for _, s := range []string{"(Float32)[1 1 256 256]", "the model is fit for synthesis", "Loss has converged, stopping synthesis",
		"Initializing Eigendistortion -- Input dim: 65536 | Output dim: 65536", "Top k=1 ", "Bottom k=1 ",
		": computed (power, 2 eigendistortions"} {
		if !strings.Contains(out, s) {
			t.Errorf("the notebook does not print %q", s)
		}
	}
	m := regexp.MustCompile(`(?m)^(\d+) iterations, last loss (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no metamer summary")
	}
	if v := parseFloats(t, m[1:]...); v[0] >= 170 || v[1] > 1e-3 {
		t.Errorf("metamer: %v iterations, last loss %v: want convergence before 170 iterations to a small loss", v[0], v[1])
	}
	if c := storeLines(out, "metamer"); c["computed"] != 3 || c["loaded"] < 6 {
		t.Errorf("metamer store lines %v", c)
	}
}
