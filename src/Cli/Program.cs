// libtorch's large buffers stay in the heap for the whole process (NativeHeap: up to 3x faster on this machine).
AcqSeg.Segmentation.NativeHeap.KeepLargeBuffers();
return AcqSeg.Cli.CliApp.Run(args, Console.Out, Console.Error);
