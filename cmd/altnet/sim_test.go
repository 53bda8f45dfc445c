package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestSimLink(t *testing.T) {
	out, errOut, code := altnet(t, "sim", "link", "--size", "300", "--loss", "0.2", "--trials", "200", "--oneway", "--sf", "9", "--bw", "125")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(?m)^delivered (\d+)/200, airtime ratio ([0-9.]+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no result line in:\n%s", out)
	}
	d, _ := strconv.Atoi(m[1])
	r, _ := strconv.ParseFloat(m[2], 64)
	if d < 190 || r > 2.7 {
		t.Fatalf("delivered %d/200 with R %.3f", d, r)
	}
	if !strings.Contains(out, "delivery versus redundancy") || !strings.Contains(out, "target 99.5%") {
		t.Fatalf("no curve in:\n%s", out)
	}
}

func TestSimLinkTwoWay(t *testing.T) {
	out, errOut, code := altnet(t, "sim", "link", "--trials", "100", "--target", "0.9")
	if code != 0 || !strings.Contains(out, "two-way") || !regexp.MustCompile(`(?m)^acknowledged \d+/100 after [0-9.]+ passes`).MatchString(out) {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}

func TestSimLinkUsage(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "link", "--passes", "0"},
		{"sim", "link", "--oneway", "--loss", "1.5"},
		{"sim", "link", "--oneway", "--bw", "100"},
		{"sim", "link", "--oneway", "--size", "0"},
		{"driver-child", "--kind", "loopback"},
		{"driver-child", "--name", "x", "--kind", "warp"},
	} {
		if _, errOut, code := altnet(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
}

func TestSimLinkBurst(t *testing.T) {
	out, errOut, code := altnet(t, "sim", "link", "--oneway", "--trials", "100", "--burst", "5s")
	if code != 0 || !strings.Contains(out, "20% frame loss in 5s fades") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}
