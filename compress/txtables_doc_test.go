package compress

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// staticTables lists every static model of the transaction codec in the
// order docs/compression.md gives them.
func staticTables() (tables []*table, nums []*numTable, flags []*flagTable) {
	nums = []*numTable{&tInCount, &tOutCount, &tLockTime, &tTxLen, &tVout, &tItemLen, &tWitCount, &tPushCount,
		&tScriptLen[0], &tScriptLen[1], &tScriptLen[2], &tScriptLen[3], &tCtrlDepth, &tOpReturnLen, &tOutputLen,
		&tMantissa[0], &tMantissa[1], &tMantissa[2], &tMantissa[3]}
	tables = []*table{&tVersion, &tKind, &tSequence[0], &tSequence[1], &tSequence[2], &tItem[0], &tItem[1],
		&tSighash, &tSchnorrHash, &tScript[0], &tScript[1], &tScript[2], &tMultisig, &tOutput,
		&tAmount[0], &tAmount[1], &tAmount[2]}
	flags = []*flagTable{&fLiteral, &fKindChange, &fSeqChange, &fRHigh, &fSHigh, &fSchnorrHash, &fUncompressed}
	return tables, nums, flags
}

func TestStaticTablesValid(t *testing.T) {
	tables, nums, flags := staticTables()
	for _, n := range nums {
		tables = append(tables, &n.table)
		if len(n.freq) != n.direct+n.maxBits || n.direct < 1 {
			t.Errorf("%s: %d symbols for direct %d and %d bits", n.name, len(n.freq), n.direct, n.maxBits)
		}
	}
	seen := map[string]bool{}
	for _, tb := range tables {
		_, _, total := tb.slice(0)
		if total > maxTotal {
			t.Errorf("%s: total %d", tb.name, total)
		}
		for s, f := range tb.freq {
			if f == 0 {
				t.Errorf("%s: symbol %d has frequency 0", tb.name, s)
			}
		}
		if seen[tb.name] {
			t.Errorf("two tables named %q", tb.name)
		}
		seen[tb.name] = true
	}
	for _, f := range flags {
		if f.one < 1 || f.one >= flagTotal {
			t.Errorf("%s: %d/%d", f.name, f.one, flagTotal)
		}
	}
}

const (
	docPath   = "../docs/compression.md"
	docBegin  = "<!-- static tables: begin (written by go test ./compress -run TestDocTables -update) -->"
	docFinish = "<!-- static tables: end -->"
)

// TestDocTables checks that docs/compression.md lists the tables exactly
// as the code has them (-update rewrites that section).
func TestDocTables(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, docBegin), strings.Index(s, docFinish)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the static tables markers", docPath)
	}
	want := docBegin + "\n" + tablesMarkdown() + docFinish
	if s[i:j+len(docFinish)] == want {
		return
	}
	if !*update {
		t.Fatalf("%s: the static tables section is out of date (run with -update)", docPath)
	}
	if err := os.WriteFile(docPath, []byte(s[:i]+want+s[j+len(docFinish):]), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tablesMarkdown() string {
	var b strings.Builder
	tables, nums, flags := staticTables()
	b.WriteString("\nFlags (frequency of 1 out of 4096):\n\n| flag | one |\n|---|---|\n")
	for _, f := range flags {
		fmt.Fprintf(&b, "| %s | %d |\n", f.name, f.one)
	}
	b.WriteString("\nSymbol tables (frequencies in symbol order):\n\n| table | frequencies |\n|---|---|\n")
	for _, tb := range tables {
		fmt.Fprintf(&b, "| %s | %s |\n", tb.name, freqList(tb.freq))
	}
	b.WriteString("\nNumber tables (`direct` value symbols, then one symbol per bit length 1..`bits`):\n\n" +
		"| table | direct | bits | frequencies |\n|---|---|---|---|\n")
	for _, n := range nums {
		fmt.Fprintf(&b, "| %s | %d | %d | %s |\n", n.name, n.direct, n.maxBits, freqList(n.freq))
	}
	b.WriteString("\n")
	return b.String()
}

func freqList(f []uint16) string {
	parts := make([]string, len(f))
	for i, v := range f {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ")
}
