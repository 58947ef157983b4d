package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestSchemaDocumentsEveryField checks that docs/coverage-schema.md
// mentions every JSON key the writers emit.
func TestSchemaDocumentsEveryField(t *testing.T) {
	doc, err := os.ReadFile("../docs/coverage-schema.md")
	if err != nil {
		t.Skipf("schema doc not found: %v", err)
	}
	var docs []any
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	entries, native, elf := suiteFixture()
	var suite bytes.Buffer
	if err := RenderSuite(&suite, FormatJSON, RunSuite(context.Background(), entries, native, elf, 1)); err != nil {
		t.Fatal(err)
	}
	a, b := exploreFixture()
	var explore bytes.Buffer
	if err := RenderExplore(&explore, FormatJSON, MergeExplore(a, b)); err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	if err := RenderPlan(&plan, FormatJSON, NewPlan(planFixture())); err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{buf.Bytes(), suite.Bytes(), explore.Bytes(), plan.Bytes()} {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, v)
	}
	keys := map[string]bool{}
	var walk func(v any, inMap bool)
	walk = func(v any, inMap bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if !inMap {
					keys[k] = true
				}
				walk(child, k == "results")
			}
		case []any:
			for _, child := range x {
				walk(child, false)
			}
		}
	}
	for _, d := range docs {
		walk(d, false)
	}
	for k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("JSON key %q is not documented in docs/coverage-schema.md", k)
		}
	}
}
