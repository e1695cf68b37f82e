global using HyperSearch.Contracts.Specs;
global using HyperSearch.Contracts.Trials;
