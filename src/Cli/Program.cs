// libtorch's large buffers stay in the heap for the whole process (NativeHeap: up to 3x faster on this machine).
AcqSeg.Imaging.Memory.NativeHeap.KeepLargeBuffers();
int code = AcqSeg.Cli.CliApp.Run(args, Console.Out, Console.Error);
// A service stopped while a training batch was still going (acqseg run, demo) must not run libtorch's exit handlers under it.
AcqSeg.TrainWorker.TrainingThread.ExitProcessIfRunning(code);
return code;
