package coverage

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, f Format, r Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, f, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTextGolden(t *testing.T) {
	out := render(t, FormatText, sampleReport())
	golden(t, "report.txt", out)
	// Least supported first.
	text := string(out)
	order := []string{"\nrseq ", "\nprlimit64 ", "\nioctl ", "\nread "}
	last := -1
	for _, name := range order {
		i := strings.Index(text, name)
		if i < 0 || i < last {
			t.Errorf("%q out of order in\n%s", name, text)
		}
		last = i
	}
	if !strings.Contains(text, "\n  ioctl TCGETS ") {
		t.Error("sub-operation not indented under its syscall")
	}
}

func TestMarkdownGolden(t *testing.T) {
	golden(t, "report.md", render(t, FormatMarkdown, sampleReport()))
}

func TestHTMLGolden(t *testing.T) {
	golden(t, "report.html", render(t, FormatHTML, sampleReport()))
}

var syscallRow = regexp.MustCompile(`<tr class="syscall (level-[a-z]+)" data-syscall="([^"]*)">`)

func TestHTMLStructure(t *testing.T) {
	r := sampleReport()
	r.Syscalls = append(r.Syscalls, Syscall{Nr: 999, Name: `<script>alert("x")</script>`, Level: "odd", Note: "a & b", Count: 1})
	page := string(render(t, FormatHTML, r))

	found := map[string]string{}
	for _, m := range syscallRow.FindAllStringSubmatch(page, -1) {
		found[m[2]] = m[1]
	}
	want := map[string]string{"read": "level-full", "ioctl": "level-partial", "rseq": "level-missing",
		"prlimit64": "level-stub", `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`: "level-unknown"}
	for name, class := range want {
		if found[name] != class {
			t.Errorf("row for %s: class %q, want %q (rows: %v)", name, found[name], class, found)
		}
	}
	if len(found) != len(want) {
		t.Errorf("%d syscall rows, want %d", len(found), len(want))
	}
	if strings.Contains(page, `<script>alert`) || !strings.Contains(page, "a &amp; b") {
		t.Error("text not escaped")
	}
	for _, external := range []string{"<link", "src=", "http://", "https://", "@import"} {
		if strings.Contains(page, external) {
			t.Errorf("page refers to an external asset: %q", external)
		}
	}
	if strings.Count(page, "<script>") != 1 || strings.Count(page, "<style>") != 1 {
		t.Error("want exactly one inline script and one inline style")
	}
	if !strings.Contains(page, `class="subop level-full" data-subop="ioctl TCGETS"`) {
		t.Error("sub-operation row missing")
	}
	checkWellFormed(t, page)
}

// rawText matches the script and style elements, whose content is not markup.
var rawText = regexp.MustCompile(`(?s)<(script|style)>.*?</(?:script|style)>`)

// checkWellFormed parses the page as XML (non-strict, HTML entities and
// void elements allowed) to catch unbalanced tags.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	page = rawText.ReplaceAllString(strings.TrimPrefix(page, "<!DOCTYPE html>\n"), "<$1></$1>")
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = []string{"meta", "input", "br"}
	d.Entity = xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			stack = append(stack, el.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != el.Name.Local {
				t.Fatalf("unbalanced </%s>, open: %v", el.Name.Local, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
}

func TestRenderEmptyReport(t *testing.T) {
	empty := Report{Schema: SchemaVersion, Created: fixtureTime}
	for _, f := range Formats() {
		out := render(t, f, empty)
		if len(out) == 0 {
			t.Errorf("%s: empty output", f)
		}
	}
	if got := string(render(t, FormatText, empty)); !strings.Contains(got, "no syscalls recorded") {
		t.Errorf("text of empty report = %q", got)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"md": FormatMarkdown, "JSON": FormatJSON, "html": FormatHTML, "table": FormatText} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("pdf accepted")
	}
}
