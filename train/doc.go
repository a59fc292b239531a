// Package train runs a complete supervised training job: it loads a dataset,
// splits and standardises it (an MLP's inputs per feature, a CNN's per
// channel of its images), builds an MLP or CNN classifier, trains it with an
// optimizer and a learning-rate schedule, evaluates it after every epoch, and
// writes a run directory:
//
//	checkpoint.safetensors  model weights, optimizer state, RNG state, config
//	metrics.csv             per epoch: losses, accuracy, learning rate, gradient norm, time
//
// and, when Options.Finish is plot.Write from the sub-package train/plot (as
// in `nabla train`),
//
//	loss.png, loss.svg      training and test loss curves
//	accuracy.png, .svg      test accuracy curve
//
// The plots live in their own package so that a program that imports train
// does not link gonum.org/v1/plot and its fonts.
//
// Everything is determined by the seed: the split, the initial weights, the
// order of the batches and, with Config.Augment, the random shifts and flips
// of the training images (a stream of their own, saved in the checkpoint).
// The data are held once, in the run's dtype, and each step refills one
// batch tensor. A run resumed from the checkpoint written at the
// end of an epoch continues exactly, bit for bit, as if it had never stopped.
// Checkpoints and metrics are written atomically (temporary file, fsync,
// rename), so a crash leaves the previous ones intact; the temporary files
// a killed run leaves behind are removed when the directory is next used.
//
// Settings and the fields read back from a checkpoint are validated before
// anything is written (finite, in range, a model that fits in the available
// memory); a crafted checkpoint is an *InputError, never a panic. A run
// locks its directory (.lock, an flock the system releases when the process
// ends), refuses a directory that already holds files unless Options.Resume
// or Options.Overwrite says what to do, and, when interrupted, reports the
// figures of the checkpoint it kept.
//
// The command `nabla train` is a thin layer over Run.
package train
