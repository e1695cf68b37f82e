global using HyperSearch.Contracts.Calls;
global using HyperSearch.Contracts.Grains;
global using HyperSearch.Contracts.Specs;
global using HyperSearch.Contracts.Trials;
global using Orleans;
global using Orleans.Concurrency;
global using Orleans.Runtime;
