global using HyperSearch.Contracts.Specs;
global using HyperSearch.Contracts.Trials;
global using HyperSearch.Runners;
global using HyperSearch.Training;
