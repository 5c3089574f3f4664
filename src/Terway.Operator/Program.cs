using Terway.Operator.Hosting;

return await OperatorProgram.RunAsync(args);
