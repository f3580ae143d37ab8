$ ScenarioWizard 3.0
Solution set
 1 

" 1 2",4,0,0,inf,""
