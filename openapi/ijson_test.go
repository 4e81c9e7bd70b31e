package openapi_test

import "testing"

// TestIJSON: the contract test's own check of what I-JSON is.
func TestIJSON(t *testing.T) {
	for s, want := range map[string]bool{
		`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":1}]}`: true,
		`{"a":1,"a":2}`:             false,
		`{"a":{"b":1,"b":2}}`:       false,
		`[{"a":1,"a":1}]`:           false,
		`{"a":"\ud800x"}`:           false,
		`{"a":"\ud83d\ude00"}`:      true,
		`{"a":"\\ud800"}`:           true,
		`{"a":"\udc00"}`:            false,
		`{}{}`:                      false,
		"{\"a\":\"\xff\"}":          false,
		`{"a":[1,2],"b":"a","a":3}`: false,
	} {
		if got := iJSON([]byte(s)); got != want {
			t.Errorf("%s: %v", s, got)
		}
	}
}
