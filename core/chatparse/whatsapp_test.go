package chatparse

import (
	"path/filepath"
	"testing"
	"time"
)

// TestParseWhatsAppFixtures parses every form of WhatsApp export the
// project's fixtures cover and compares each with its .want.json.
func TestParseWhatsAppFixtures(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		opts Options
	}{
		{"android_dmy_24h_en_crlf.txt", Options{}},
		{"ios_mdy_12h_nnbsp_en.txt", Options{}},
		{"android_es_ampm_cr.txt", Options{}},
		{"ios_old_de_dotted.txt", Options{}},
		{"android_de_dotted_time.txt", Options{Location: berlin}},
		{"ios_fr_24h.txt", Options{}},
		{"android_pt.txt", Options{}},
		{"cjk_zh_ymd.txt", Options{}},
		{"cjk_ja_ios.txt", Options{}},
		{"cjk_ko_spaced.txt", Options{}},
		{"dash_date_preamble.txt", Options{}},
		{"en_lower_ampm.txt", Options{}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, filepath.Join("testdata", "whatsapp", c.file), "", c.opts)
		})
	}
}
