package app

import (
	"flag"
	"fmt"
	"io"

	httpapi "github.com/chatlens/chatlens/adapters/http"
)

// OpenAPICommand runs `chatlens openapi [--3.0]`: it prints the API's
// OpenAPI 3.1 document (or its 3.0 downgrade) as YAML. The document does
// not depend on configuration, so it equals the committed openapi/ files.
func OpenAPICommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chatlens openapi [--3.0]\n\nPrints the API's OpenAPI 3.1 document as YAML (the committed openapi/openapi.yaml).")
		fs.PrintDefaults()
	}
	v30 := fs.Bool("3.0", false, "print the OpenAPI 3.0 downgrade, for older generators")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	doc, err := OpenAPIDocument(*v30)
	if err != nil {
		fmt.Fprintln(stderr, "chatlens openapi:", err)
		return 1
	}
	_, err = stdout.Write(doc)
	if err != nil {
		return 1
	}
	return 0
}

// OpenAPIDocument returns the 3.1 document, or the 3.0 downgrade, as YAML.
func OpenAPIDocument(v30 bool) ([]byte, error) {
	oapi := httpapi.OpenAPI()
	if v30 {
		return oapi.DowngradeYAML()
	}
	return oapi.YAML()
}
