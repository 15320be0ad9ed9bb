package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// decodeBody decodes the JSON object in the request body into v. Unknown
// fields are rejected so that a misspelt field does not pass silently.
// Errors name the field and the expected form in the API's terms, never
// Go's. It reads the raw body: fiber's Ctx.Body would first inflate a
// compressed body, which lets a small request take a lot of memory.
func decodeBody(c *fiber.Ctx, v any) error {
	return decodeBytes(c.Request().Body(), v)
}

// decodeBytes is decodeBody on a body already read.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("request body is empty; send a JSON object")
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(v); err != nil {
		return describeJSONError(err, v)
	}
	if decoder.More() {
		return errors.New("request body has data after the JSON object; send exactly one object")
	}
	return nil
}

// describeJSONError rewords an encoding/json error for a client.
func describeJSONError(err error, v any) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("request body is not valid JSON (at byte %d): %s", syntaxErr.Offset, strings.TrimPrefix(syntaxErr.Error(), "json: "))
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Errorf("request body is a JSON %s; send a JSON object", typeErr.Value)
		}
		return fmt.Errorf("field %s is a JSON %s; want %s", typeErr.Field, typeErr.Value, jsonForm(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return fmt.Errorf("unknown field %s; the fields are %s", name, strings.Join(jsonFields(v), ", "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("request body ends in the middle of the JSON object")
	}
	return fmt.Errorf("request body is not a valid JSON object: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonForm names the JSON form of a Go type.
func jsonForm(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(jsonForm(t.Elem()), "a ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonForm(t.Elem())
	}
	return "a value of another type"
}

// jsonFields lists the JSON field names of the struct v points to.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name == "-" || !field.IsExported() {
			continue
		}
		if name == "" {
			name = field.Name
		}
		names = append(names, name)
	}
	return names
}
