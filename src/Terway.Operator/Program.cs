// Entry point placeholder so the executable builds while the operator's hosting (configuration,
// controllers, webhooks wiring) lands on its own branch; that Program.cs replaces this file.
return 0;
