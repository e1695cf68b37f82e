global using HyperSearch.Contracts.Specs;
global using HyperSearch.Runners;
global using HyperSearch.Training;
global using HyperSearch.Contracts.Trials;
