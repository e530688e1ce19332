package nb_test

import (
	"fmt"

	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/nb"
)

// In a notebook cell: no error handling in sight; a failure stops the cell
// with its message.
func ExampleMust() {
	model := nb.Must(models.NewGaussianBlur(models.GaussianBlurOptions{}))
	rep := nb.Eval(model, nb.Einstein())
	fmt.Println(rep.Shape().Dimensions)
	// Output:
	// [1 1 256 256]
}
