package gateway

import (
	"strings"
	"testing"
)

type sampleBody struct {
	Name string   `json:"name"`
	Cols int      `json:"cols"`
	Args []string `json:"args"`
	Skip string   `json:"-"`
}

func TestDescribeJSONErrors(t *testing.T) {
	cases := []struct {
		body    string
		mention []string
	}{
		{`{"cols": "wide"}`, []string{"field cols is a JSON string", "want a whole number"}},
		{`{"args": "ls -l"}`, []string{"field args is a JSON string", "want a list of strings"}},
		{`["a"]`, []string{"request body is a JSON array", "JSON object"}},
		{`{"nmae": "x"}`, []string{`unknown field "nmae"`, "name, cols, args"}},
		{`{"name": }`, []string{"not valid JSON (at byte"}},
		{`{"name": "x"`, []string{"ends in the middle"}},
	}
	for _, tc := range cases {
		var v sampleBody
		err := decodeBytes([]byte(tc.body), &v)
		if err == nil {
			t.Errorf("%s: decoded; want an error", tc.body)
			continue
		}
		for _, want := range tc.mention {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", tc.body, err, want)
			}
		}
		if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "sampleBody") {
			t.Errorf("%s: error %q shows Go internals", tc.body, err)
		}
	}
}
